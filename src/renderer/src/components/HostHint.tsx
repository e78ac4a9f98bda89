import { useEffect, useState } from 'react';
import { hostsFiles, type HostResolution } from '../../../shared/hosts';
import type { Route } from '../../../shared/model';
import { useApi } from '../api-context';
import { CopyableCode } from './CopyButton';
import './ProjectAndDemo.css';

const osNames = { linux: 'Linux', macos: 'macOS', windows: 'Windows' } as const;

/**
 * Under a route's header when its host does not reach this machine: the
 * browser would ask DNS and go elsewhere. Names the hosts-file line to add
 * and where the file is, this OS first. `.localhost` names never need it.
 */
export function HostHint({ route }: { route: Route }) {
  const { invoke } = useApi();
  const [answer, setAnswer] = useState<HostResolution | undefined>();
  useEffect(() => {
    setAnswer(undefined);
    if (route.kind !== 'http') return;
    let current = true;
    void invoke('hosts.check', { host: route.host }).then((result) => {
      if (current && result.ok) setAnswer(result.result);
    });
    return () => {
      current = false;
    };
  }, [invoke, route.host, route.kind]);
  if (!answer?.hostsLine) return null;
  const files = [...hostsFiles].sort((a, b) => Number(b.os === answer.os) - Number(a.os === answer.os));
  return (
    <div className="host-hint" role="note" aria-label={`${route.host} does not reach this machine`}>
      <p>
        <strong>{route.host}</strong>{' '}
        {answer.reach === 'unresolved' ? 'does not resolve to any address' : `resolves to ${answer.addresses.join(', ')}, not to this machine`}, so a browser will not reach
        Switchyard with it. Add this line to the hosts file (as administrator), or use a <code>.localhost</code> name, which needs nothing:
      </p>
      <CopyableCode text={answer.hostsLine} what="the hosts-file line" />
      <ul className="muted">
        {files.map((file) => (
          <li key={file.os}>
            {osNames[file.os]}: <code>{file.path}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}
