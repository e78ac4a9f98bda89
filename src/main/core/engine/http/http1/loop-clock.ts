// nginx reads the clock once per event-loop iteration (ngx_time_update after
// epoll returns) and every timer set meanwhile uses that time. Connection
// deadlines here are as coarse (a sweep checks them at most once a second),
// yet they were set from Date.now() up to seven times per proxied request,
// each a call into the runtime. The same time now serves a whole turn of the
// loop: the first read after a turn starts takes the clock and schedules its
// own expiry for the end of the turn.

let cached = 0;
let fresh = false;

const expire = (): void => {
  fresh = false;
};

/** Epoch ms as of this turn of the event loop (at most one turn's work stale); for deadlines, not for measuring. */
export function loopNow(): number {
  if (!fresh) {
    cached = Date.now();
    fresh = true;
    setImmediate(expire);
  }
  return cached;
}
