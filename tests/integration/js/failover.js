// kafkajs across a leader's death: an idempotent acks=-1 producer sends one
// numbered message at a time for `seconds` (the test kills the partition's
// leader meanwhile; kafkajs refreshes its metadata and retries on the new
// leader), then a consumer group reads everything back. Prints one JSON
// object; tests/integration/test_cluster_clients.py checks it.
//   node failover.js HOST:PORT,HOST:PORT,... TOPIC SECONDS
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [brokers, topic, seconds] = process.argv.slice(2);
  const kafka = new Kafka({
    clientId: 'brook-failover',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 },
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const out = { acked: [] };
  const until = Date.now() + Number(seconds) * 1000;
  for (let i = 0; Date.now() < until; i++) {
    const [r] = await producer.send({ topic, acks: -1, messages: [{ value: `m${i}` }] });
    out.acked.push([`m${i}`, Number(r.baseOffset)]);
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
