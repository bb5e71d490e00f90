/** GET / answers {} as Confluent does (clients and load balancers use it as a ping). */
import { Controller, Get } from '@nestjs/common';

@Controller()
export class RootController {
  @Get()
  root(): Record<string, never> {
    return {};
  }
}
