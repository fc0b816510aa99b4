import { describeEventStoreContract } from '../event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

// No EventStoreDB server runs on the development machines; docker-compose and the helm chart start one, and CI
// points this variable at it (e.g. esdb://localhost:2113?tls=false).
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

if (connectionString) {
  describeEventStoreContract('EventStoreDB', async () => {
    const store = EventStoreDbEventStore.connect(connectionString);
    return { store, dispose: () => store.close() };
  });
} else {
  it.skip('EventStoreDB contract: skipped, EVENTSTORE_CONNECTION_STRING is not set (needs a real server)', () => {});
}
