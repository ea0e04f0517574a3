// kafkajs consumes through a consumer group against a real brookd: join,
// sync, heartbeats, fetch from the beginning, commit, then the committed
// offsets read back through the admin client. Prints one JSON object;
// tests/integration/test_consumer_groups.py checks it.
//   node group_consume.js HOST:PORT TOPIC GROUP COUNT
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [broker, topic, groupId, countArg] = process.argv.slice(2);
  const want = Number(countArg);
  const kafka = new Kafka({ clientId: 'brook-test', brokers: [broker], logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  let resolveAll;
  const all = new Promise((resolve) => { resolveAll = resolve; });
  const timer = setTimeout(() => resolveAll(), 60000);
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      values.push(message.value.toString());
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      if (values.length >= want) resolveAll();
    },
  });
  await all;
  clearTimeout(timer);
  await consumer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = offsets[0].partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0] - b[0]);
  await admin.disconnect();
  console.log(JSON.stringify({ values, committed }));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
