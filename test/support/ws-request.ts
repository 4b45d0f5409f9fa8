/** One JSON-RPC request over a WebSocket that also carries pushed subscription events. */
import type WebSocket from 'ws';

/** The fields of an answer this helper reads to tell it from a pushed event. */
export interface WsAnswer {
  id: unknown;
  result?: { query?: string };
  error?: { code: number; message: string };
}

/**
 * Sends one request and waits for the answer with its id: pushed events carry the subscribe
 * request's id too, but their result has a query, so they are passed over.
 */
export function wsRequest<A extends WsAnswer = WsAnswer>(ws: WebSocket, id: number, method: string, params: unknown): Promise<A> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const answer = JSON.parse(data.toString()) as A;
      if (answer.id === id && (answer.error !== undefined || answer.result?.query === undefined)) {
        ws.off('message', onMessage);
        resolve(answer);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  });
}
