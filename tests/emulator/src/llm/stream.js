'use strict';
// Writes a streamed answer (server-sent events or AWS event-stream frames) one event at a time,
// waiting llm.stream_chunk_delay_ms before each event, and injects a scripted mid-stream error.

function wait(ms, res) {
  return new Promise((resolve) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      res.off('close', done);
      resolve();
    }
    res.once('close', done);
  });
}

/**
 * @param {import('node:http').ServerResponse} res headers already written
 * @param {Array<Buffer|string>} events the events, in order
 * @param {object} opts delayMs; streamError ({after_events, drop?} or undefined);
 *   errorEvent (Buffer|string: what to send in place of the rest when streamError is set);
 *   trailer (Buffer|string sent after the events when there is no error, e.g. "data: [DONE]")
 * @returns {Promise<{sent:number, error:boolean}>}
 */
async function writeEvents(res, events, { delayMs = 0, streamError, errorEvent, trailer } = {}) {
  let sent = 0;
  for (const ev of events) {
    if (streamError && sent === streamError.after_events) break;
    await wait(delayMs, res);
    if (res.destroyed) return { sent, error: false };
    res.write(ev);
    sent++;
  }
  if (streamError) {
    await wait(delayMs, res);
    if (res.destroyed) return { sent, error: true };
    if (streamError.drop) {
      // Let what was written leave first, then cut the connection without ending the body.
      res.socket?.end?.();
      setImmediate(() => res.destroy());
      return { sent, error: true };
    }
    res.end(errorEvent);
    return { sent, error: true };
  }
  if (trailer !== undefined) {
    await wait(delayMs, res);
    if (res.destroyed) return { sent, error: false };
    res.end(trailer);
  } else {
    res.end();
  }
  return { sent, error: false };
}

module.exports = { writeEvents, wait };
