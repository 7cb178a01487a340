/** Base path of every API route, /metrics, the WebSocket and widget.js (CONTRACT). */
export const API_BASE = '/appointease/v1';
