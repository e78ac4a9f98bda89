import { SwitchyardError } from '../../../shared/errors';
import { parseJsonWithPositions, type JsonPath } from '../../../shared/json-positions';
import { projectFileSchema, type ProjectFile } from '../../../shared/project';
import { routeLabel } from '../../../shared/route-label';
import { validate } from '../api/validate';
import { checkUserDomain } from '../tls';

/**
 * A project file's text as a checked ProjectFile, or VALIDATION_FAILED whose
 * message starts with `line:column` and the JSON path, as compilers print
 * them (an editor jumps there), and whose field is the path. Everything is
 * checked here, before apply runs its first command.
 */
export function parseProjectFile(text: string): ProjectFile {
  const parsed = parseJsonWithPositions(text);
  if (!parsed.ok) {
    const { line, column } = parsed.position;
    throw new SwitchyardError('VALIDATION_FAILED', `${line}:${column}: ${parsed.message}`);
  }
  const at = (path: JsonPath, key?: string) => {
    const { line, column } = parsed.positionOf(path, key);
    return `${line}:${column}`;
  };
  const refuse = (path: JsonPath, message: string, key?: string): never => {
    const field = [...path, ...(key === undefined ? [] : [key])].map(String).join('.');
    throw new SwitchyardError('VALIDATION_FAILED', `${at(path, key)}: ${field ? `${field}: ` : ''}${message}`, field || undefined);
  };

  const result = projectFileSchema.safeParse(parsed.value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    // validate() words the issue as every command's errors are worded.
    let message = issue.message;
    try {
      validate(projectFileSchema, parsed.value);
    } catch (error) {
      if (error instanceof SwitchyardError) message = error.message;
    }
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const field = issue.path.map(String).join('.');
    // Unless the sentence names the field already ("routes.0.host is required.", "Unknown field in routes.0: …"), it is put first.
    const named = key !== undefined || !field || message.startsWith(field);
    throw new SwitchyardError('VALIDATION_FAILED', `${at(issue.path, key)}: ${named ? '' : `${field}: `}${message}`, field || undefined);
  }
  const file = result.data;

  // What the schema cannot see: a route or backend named twice would be applied twice.
  const seen = new Map<string, number>();
  file.routes.forEach((route, index) => {
    const name = `${route.host}\u0000${route.path}`;
    const first = seen.get(name);
    if (first !== undefined) refuse(['routes', index], `${routeLabel(route)} is already routes.${first}; a route appears once (merge their backends).`);
    seen.set(name, index);
    const urls = new Map<string, number>();
    route.backends.forEach((backend, backendIndex) => {
      const earlier = urls.get(backend.url);
      if (earlier !== undefined) {
        refuse(['routes', index, 'backends', backendIndex, 'url'], `${backend.url} is already backends.${earlier} of this route; a backend appears once (raise its weight instead).`);
      }
      urls.set(backend.url, backendIndex);
    });
  });
  // In the form the CA stores them (lower case, no root dot), checked as certificates.addDomain would check them.
  const domains = new Set<string>();
  file.certificates?.domains.forEach((raw, index) => {
    let domain: string;
    try {
      domain = checkUserDomain(raw, `certificates.domains.${index}`);
    } catch (error) {
      if (error instanceof SwitchyardError) refuse(['certificates', 'domains', index], error.message);
      throw error;
    }
    if (domains.has(domain)) refuse(['certificates', 'domains', index], `${domain} is listed twice; keep one.`);
    domains.add(domain);
  });
  return file.certificates ? { ...file, certificates: { domains: [...domains] } } : file;
}
