/** Administrative routes: listing and replaying the dead-letter queue. */
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DlqAdminController } from './dlq-admin.controller';
import { DlqAdminService } from './dlq-admin.service';

@Module({
  imports: [AuthModule],
  controllers: [DlqAdminController],
  providers: [DlqAdminService],
})
export class AdminModule {}
