import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { connectionEndSentences, connectionEnds, responseFlags, type TrafficRecord } from '../../../shared/traffic';
import { millis } from '../format';
import { statusClassOf } from '../traffic-filter';

/** Every row is this tall (styles.css .traffic-row), so which rows are visible is arithmetic, not measurement. */
export const rowHeight = 26;
/** Rows rendered above and below the visible ones, so a fast wheel never shows a blank strip before the next frame. */
const overscan = 12;
/** Within this many pixels of the bottom counts as "at the newest": auto-scroll follows again. */
const bottomSlackPx = rowHeight;
/** Keys that move the selection by a page: the rows that fit, less one for context. */
const pageOverlap = 1;

const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hour12: false });

/** hh:mm:ss.mmm, local time, as HTTP Toolkit and browser dev tools show a request's start. */
export const timeOf = (at: number): string => clock.format(at);

/** The column is narrow: "127.0.0.1:3001" says as much as "http://127.0.0.1:3001" (the title has it whole). */
const withoutScheme = (url: string) => url.replace(/^[a-z]+:\/\//, '');

export function FlagBadges({ flags }: { flags: TrafficRecord['flags'] }) {
  return (
    <>
      {flags.map((flag) => (
        <abbr key={flag} className="flag" title={`${flag}: ${responseFlags[flag]}`}>
          {flag}
        </abbr>
      ))}
    </>
  );
}

export function StatusText({ status }: { status: number }) {
  // 0: the client went away before any response head (DC says so in the flags).
  return <span className={`http-status status-${statusClassOf(status) ?? 'none'}`}>{status === 0 ? '—' : status}</span>;
}

/** How a connection ended, where a request's status goes: "client closed", coloured as a failure when it was one. */
export function EndText({ record }: { record: TrafficRecord }) {
  const end = record.end!;
  return (
    <span className={`connection-end${record.flags.length > 0 ? ' status-none' : ''}`} title={connectionEndSentences[end]}>
      {connectionEnds[end]}
    </span>
  );
}

/** HTTP requests show their protocol's short name; connections their route's kind. */
function kindOf(record: TrafficRecord): string {
  if (record.end !== null) return record.kind;
  return record.protocol === 'HTTP/2' ? 'h2' : record.tls ? 'https' : 'http';
}

/** One exchange: props only, no state, memoised so an append renders only the new rows. */
const Row = memo(function Row({ record, index, selected }: { record: TrafficRecord; index: number; selected: boolean }) {
  return (
    <div
      role="row"
      className={`traffic-row${selected ? ' selected' : ''}${record.flags.length > 0 || record.status >= 500 ? ' failed' : ''}`}
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-id={record.id}
      style={{ top: index * rowHeight }}
    >
      <span role="gridcell" className="cell-time">
        {timeOf(record.at)}
      </span>
      <span role="gridcell" className={`cell-kind${record.end === null ? '' : ' kind-l4'}`} title={`${record.protocol}${record.tls ? ` over ${record.tls}` : ''}`}>
        {kindOf(record)}
      </span>
      <span role="gridcell" className="cell-method">
        {record.method}
      </span>
      <span role="gridcell" className="cell-url" title={`${record.host}${record.path}`}>
        <span className="muted">{record.host}</span>
        {record.path}
      </span>
      <span role="gridcell" className="cell-status">
        {record.end === null ? <StatusText status={record.status} /> : <EndText record={record} />}
      </span>
      <span role="gridcell" className="cell-flags">
        <FlagBadges flags={record.flags} />
      </span>
      <span role="gridcell" className="cell-backend" title={record.backend ?? undefined}>
        {record.backend ? withoutScheme(record.backend) : '—'}
      </span>
      <span role="gridcell" className="cell-duration">
        {millis(record.totalMs)}
      </span>
    </div>
  );
});

/**
 * Header text, the class its cells share (styles.css sizes and hides columns by it), and what the header's title
 * adds. Rows come as exchanges finish and show when each started, as HAProxy's and Envoy's access logs do (their
 * lines are written at the end and carry the accept or start time): a slow request lands below quicker ones that
 * started after it. Sorting by start instead would file a long WebSocket or TCP connection, when it closes,
 * minutes up the list, out of sight of anyone following the newest.
 */
const columns = [
  ['Started', 'cell-time', 'When the exchange started. Rows are in the order exchanges finished, so a slow one sits below quicker ones that started after it.'],
  ['Kind', 'cell-kind', 'http, https or h2 for a request; tcp, tls or udp for a connection'],
  ['Method', 'cell-method', undefined],
  ['Host and path', 'cell-url', "The request's host and path; for a connection, its route's listen URL"],
  ['Status', 'cell-status', "The response's status, or how a connection ended"],
  ['Flags', 'cell-flags', "What went wrong, in Envoy's response flags (hover one for its meaning)"],
  ['Backend', 'cell-backend', undefined],
  ['Duration', 'cell-duration', "From the request to the response's end (to the switch, for a WebSocket); for a connection, how long it was open"],
] as const;

/**
 * The exchanges, newest at the bottom, virtualised: a spacer as tall as all
 * rows, and only the rows in view (plus an overscan) in the DOM, absolutely
 * placed, so 100,000 records cost the same as 40. It follows the newest
 * while the view is scrolled to the bottom and stops when the user scrolls
 * up ("Jump to newest" brings it back), as HTTP Toolkit's list does.
 */
export function TrafficList({
  records,
  selectedId,
  onSelect,
}: {
  records: TrafficRecord[];
  selectedId: number | undefined;
  onSelect: (id: number) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 0 });
  const [following, setFollowing] = useState(true);
  const followingRef = useRef(true);
  const frame = useRef(0);

  // Whether to follow is known at once, so a batch applied before the next frame cannot undo a scroll up;
  // the rows to render are worked out once per frame (scroll events come many per frame).
  const onScroll = useCallback(() => {
    const element = scroller.current;
    if (!element) return;
    followingRef.current = element.scrollTop + element.clientHeight >= element.scrollHeight - bottomSlackPx;
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setFollowing(followingRef.current);
      setView({ top: element.scrollTop, height: element.clientHeight });
    });
  }, []);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const resize = new ResizeObserver(() => setView({ top: element.scrollTop, height: element.clientHeight }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, []);

  // Before paint, so new rows never flash above the bottom edge.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element || !followingRef.current) return;
    element.scrollTop = element.scrollHeight;
    setView({ top: element.scrollTop, height: element.clientHeight });
  }, [records]);

  const jumpToNewest = () => {
    const element = scroller.current;
    if (!element) return;
    followingRef.current = true;
    setFollowing(true);
    element.scrollTop = element.scrollHeight;
  };

  const selectedIndex = selectedId === undefined ? -1 : records.findIndex((r) => r.id === selectedId);

  /** Selects a row by position and scrolls it into view. */
  const selectIndex = (index: number) => {
    const element = scroller.current;
    const record = records[Math.max(0, Math.min(records.length - 1, index))];
    if (!element || !record) return;
    onSelect(record.id);
    // Row tops in the scroller's content, below the sticky head (one row tall).
    const at = (records.indexOf(record) + 1) * rowHeight;
    if (at < element.scrollTop + rowHeight) element.scrollTop = at - rowHeight;
    else if (at + rowHeight > element.scrollTop + element.clientHeight) element.scrollTop = at + rowHeight - element.clientHeight;
  };

  const onKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor(view.height / rowHeight) - pageOverlap);
    const moves: Record<string, number> = {
      ArrowDown: selectedIndex + 1,
      ArrowUp: selectedIndex === -1 ? records.length - 1 : selectedIndex - 1,
      PageDown: selectedIndex + page,
      PageUp: selectedIndex - page,
      Home: 0,
      End: records.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    selectIndex(target);
  };

  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const row = (event.target as HTMLElement).closest<HTMLElement>('[data-id]');
    if (row) onSelect(Number(row.dataset.id));
  };

  // The spacer starts one row (the head) down the scroller.
  const first = Math.max(0, Math.floor(view.top / rowHeight) - 1 - overscan);
  const last = Math.min(records.length, Math.ceil((view.top + view.height) / rowHeight) + overscan);
  const visible = records.slice(first, last);

  return (
    <div className="traffic-list">
      <div
        ref={scroller}
        role="grid"
        aria-label="Traffic"
        aria-readonly="true"
        aria-rowcount={records.length + 1}
        aria-multiselectable="false"
        className="traffic-grid"
        tabIndex={0}
        onKeyDown={onKey}
        onScroll={onScroll}
        onClick={onClick}
      >
        {/* Sticky inside the scroller, so its columns line up with the rows whatever the scroll bar's width. */}
        <div role="row" className="traffic-row traffic-head" aria-rowindex={1}>
          {columns.map(([label, className, title]) => (
            <span key={label} role="columnheader" className={className} title={title}>
              {label}
            </span>
          ))}
        </div>
        <div className="traffic-spacer" role="rowgroup" style={{ height: records.length * rowHeight }}>
          {visible.map((record, i) => (
            <Row key={record.id} record={record} index={first + i} selected={record.id === selectedId} />
          ))}
        </div>
      </div>
      {!following && records.length > 0 && (
        <button type="button" className="jump-newest primary" onClick={jumpToNewest}>
          Jump to newest ↓
        </button>
      )}
    </div>
  );
}
