/** What the server sends on every exchange (the tutorial's text, kept for pyzmq peers). */
export const SERVER_MESSAGE = "Server message to Client";

export const clientMessage = (id: string, n: number, total: number) => `Client ${id} message to Server (${n}/${total})`;
