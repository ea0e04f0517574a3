// kafkajs against a real brookd: create a topic, produce with acks=-1
// (plain and idempotent), read offsets back, delete the topic. Prints one
// JSON object; tests/integration/test_kafkajs.py checks it.
//   node admin_produce.js HOST:PORT TOPIC
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [broker, topic] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'brook-test', brokers: [broker], logLevel: logLevel.ERROR, retry: { retries: 3 } });
  const out = {};
  const admin = kafka.admin();
  await admin.connect();
  out.created = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  out.duplicateCreate = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  out.partitions = meta.topics[0].partitions.map((p) => p.partitionId).sort();

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const messages = [];
  for (let i = 0; i < 300; i++) {
    messages.push({ key: `k${i}`, value: Buffer.from([i & 0xff, 0, 0xff, (i >> 8) & 0xff]), partition: i % 3 });
  }
  const sent = await producer.send({ topic, acks: -1, messages });
  out.sentBaseOffsets = sent.map((r) => [r.partition, Number(r.baseOffset)]).sort();
  await producer.disconnect();

  const idem = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await idem.connect();
  for (let round = 0; round < 3; round++) {
    await idem.send({ topic, acks: -1, messages: messages.slice(0, 30) });
  }
  await idem.disconnect();

  out.offsets = (await admin.fetchTopicOffsets(topic))
    .map((p) => [p.partition, Number(p.low), Number(p.high)])
    .sort();
  out.byTimestamp = (await admin.fetchTopicOffsetsByTimestamp(topic, 0)).map((p) => [p.partition, Number(p.offset)]).sort();
  try {
    await producer.connect();
    await producer.send({ topic: 'brook-no-such-topic', acks: -1, messages: [{ value: 'x' }] });
    out.unknownTopic = 'accepted';
  } catch (e) {
    out.unknownTopic = e.type || e.name;
  }
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  out.afterDelete = (await admin.listTopics()).filter((t) => t === topic);
  await admin.disconnect();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
