// kafkajs' transactional producer against a real brookd: a committed
// transaction, an aborted one, and one that commits a group's offsets
// with its records (sendOffsets); then a read_committed consumer (kafkajs'
// default) and a read_uncommitted one read the topic, and the group's
// committed offsets are read back. Prints one JSON object;
// tests/integration/test_kafkajs.py checks it.
//   node transactions.js HOST:PORT TOPIC GROUP
const { Kafka, logLevel } = require('kafkajs');

async function readAll(kafka, topic, readUncommitted, want) {
  const consumer = kafka.consumer({ groupId: `reader-${readUncommitted}-${Date.now()}`, readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 20000);
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value.toString());
        if (values.length >= want) {
          clearTimeout(timer);
          setTimeout(resolve, 1000); /* a moment more: nothing else may come */
        }
      },
    });
  });
  await consumer.disconnect();
  return values.sort();
}

async function main() {
  const [broker, topic, groupId] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'brook-test', brokers: [broker], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  const producer = kafka.producer({ transactionalId: 'js-tx', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  let txn = await producer.transaction();
  await txn.send({ topic, messages: [{ value: 'c0', partition: 0 }, { value: 'c1', partition: 1 }] });
  await txn.commit();

  txn = await producer.transaction();
  await txn.send({ topic, messages: [{ value: 'a0', partition: 0 }, { value: 'a1', partition: 1 }] });
  await txn.abort();

  txn = await producer.transaction();
  await txn.send({ topic, messages: [{ value: 'c2', partition: 0 }] });
  await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '2' }] }] });
  await txn.commit();
  await producer.disconnect();

  const out = {};
  out.committed = await readAll(kafka, topic, false, 3);
  out.uncommitted = await readAll(kafka, topic, true, 5);
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  out.groupOffsets = offsets[0].partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0] - b[0]);
  await admin.disconnect();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
