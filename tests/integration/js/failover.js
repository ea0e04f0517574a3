// kafkajs across a leader's death: an idempotent acks=-1 producer sends one
// numbered message at a time. After `before` acknowledgements it writes
// "ready" to stderr and waits for a line on stdin (the test kills the
// partition's leader meanwhile), then sends `after` more (kafkajs refreshes
// its metadata and retries on the new leader), then a consumer group reads
// everything back. Prints one JSON object;
// tests/integration/test_cluster_clients.py checks it.
//   node failover.js HOST:PORT,HOST:PORT,... TOPIC BEFORE AFTER
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [brokers, topic, before, after] = process.argv.slice(2);
  const kafka = new Kafka({
    clientId: 'brook-failover',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 },
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const out = { acked: [] };
  for (let i = 0; i < Number(before) + Number(after); i++) {
    const [r] = await producer.send({ topic, acks: -1, messages: [{ value: `m${i}` }] });
    out.acked.push([`m${i}`, Number(r.baseOffset)]);
    if (out.acked.length === Number(before)) {
      process.stderr.write('ready\n');
      await new Promise((res) => process.stdin.once('data', res));
      process.stdin.pause();
    }
    await new Promise((res) => setTimeout(res, 5));
  }
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'js-failover', retry: { retries: 20 } });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  out.read = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, 30000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          out.read.push([message.value.toString(), Number(message.offset)]);
          if (out.read.length >= out.acked.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
