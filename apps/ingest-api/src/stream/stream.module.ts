/** Live topics over WebSocket: admission before the upgrade (StreamService), the gateway after it. */
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { StreamService } from './stream.service';
import { StreamGateway } from './stream.gateway';

@Module({
  imports: [AuthModule],
  providers: [StreamService, StreamGateway],
  exports: [StreamService],
})
export class StreamModule {}
