export type { EventFeed, EventListener, EventRecorder, EventTarget, EventType, PodEvent } from './types.js';
export { containerOfFieldPath, DEFAULT_EVENTS_PER_POD, DEFAULT_MAX_EVENT_PODS, EventLog, rfc3339Seconds, type EventLogOptions } from './log.js';
