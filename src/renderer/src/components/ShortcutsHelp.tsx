import { shortcutList } from '../shortcuts';

export function ShortcutsHelp() {
  return (
    <dl className="shortcuts">
      {shortcutList.map(({ keys, action }) => (
        <div key={action}>
          <dt>
            {keys.map((combo, i) => (
              <span key={combo.join('+')}>
                {i > 0 && <span className="muted"> or </span>}
                {combo.map((key, j) => (
                  <span key={key}>
                    {j > 0 && (combo[0] === 'Alt' ? '+' : ' ')}
                    <kbd>{key}</kbd>
                  </span>
                ))}
              </span>
            ))}
          </dt>
          <dd>{action}</dd>
        </div>
      ))}
    </dl>
  );
}
