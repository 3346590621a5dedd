export type { RejectionView, StatusProvider } from './types.js';
export { apiStatus, routeStatusRequest, type ApiStatus, type StatusResponse } from './routes.js';
export { DEFAULT_STATUS_SOCKET_NAME, SocketInUseError, StatusSocketServer, statusSocketPath } from './status-socket.js';
