type AbortListener = ((event: Event) => void) | { handleEvent(event: Event): void };

/**
 * The cancellation of one relayed request, made for every call: what the hub reads of an AbortSignal (`aborted`,
 * `reason`, `throwIfAborted`, 'abort' listeners) without an EventTarget and an AbortController per call. It sits in
 * the SDK's table of request controllers (which only calls `abort`) and is the request's `extra.signal`. Hand it to
 * nothing that demands a real AbortSignal (`AbortSignal.any`, `fetch`, `events.once`): make a real one there.
 */
export class CallSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((event: Event) => void) | null = null;
  private listeners: AbortListener[] | undefined;

  /** As an AbortSignal, for the places that take one (see the class comment). */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }

  /** Aborts once: every listener is called (in order, each even if one before it throws), then the first throw is rethrown. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    const event = { type: 'abort', target: this } as unknown as Event;
    let failure: { error: unknown } | undefined;
    for (const listener of this.onabort ? [this.onabort, ...listeners] : listeners) {
      try {
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  addEventListener(type: string, listener: AbortListener | null): void {
    // As with an AbortSignal, a listener added once aborted is never called; every listener is called at most once.
    if (type !== 'abort' || !listener || this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(type: string, listener: AbortListener | null): void {
    if (type !== 'abort' || !this.listeners) return;
    const index = this.listeners.indexOf(listener!);
    if (index >= 0) this.listeners.splice(index, 1);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }
}
