/** Base path of every API route, /metrics, the WebSocket and widget.js (defined with the contract's shapes). */
export { API_BASE } from '../contract';
