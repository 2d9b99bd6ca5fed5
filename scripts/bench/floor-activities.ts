// The floor workflows' activities: a local one that does nothing worth measuring, and order_create.
import type { HublifyClient } from '../../src/hublify/client';
import type { HublifyOrderCreateRequest } from '../../src/hublify/types';

export function createFloorActivities(hublify: HublifyClient) {
  return {
    check(id: string): Promise<string> {
      return Promise.resolve(`checked ${id}`);
    },
    async createOrder(request: HublifyOrderCreateRequest): Promise<string> {
      return (await hublify.orderCreate(request)).data.orderid;
    },
  };
}

export type FloorActivities = ReturnType<typeof createFloorActivities>;
