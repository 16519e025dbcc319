// The tap's defaults that its command line shows before any of the tap is loaded.

/** How many bytes of a message body are shown (`--max-body`). */
export const DEFAULT_MAX_BODY = 4096;
