/** WS /api/v1/stream/{topic}: the socket was admitted during the upgrade; attach it to its topic's feed. */
import type { IncomingMessage } from 'http';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { StreamService, StreamAdmission } from './stream.service';
import { ADMISSION } from './stream-ws.adapter';
import { STREAM_PATH } from './subscription-plan';
import { CLOSE_POLICY } from './stream-connection';

@WebSocketGateway({ path: STREAM_PATH, maxPayload: 4096 })
export class StreamGateway implements OnGatewayConnection {
  constructor(private readonly stream: StreamService) {}

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const admission = (request as unknown as Record<symbol, StreamAdmission | undefined>)[ADMISSION];
    if (!admission) {
      socket.close(CLOSE_POLICY, 'not admitted');
      return;
    }
    this.stream.attach(socket, admission);
  }
}
