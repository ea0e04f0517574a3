// kafkajs against a Brook cluster: move partition 0 of a topic to the
// replicas given, list the moves in progress, and ask for two moves the
// controller refuses (a broker named twice; a partition that does not
// exist). Prints one JSON object; tests/integration/test_cluster_reassignments.py
// checks it.
//   node reassign.js HOST:PORT,... TOPIC REPLICA,REPLICA,...
const { Kafka, logLevel } = require('kafkajs');

function errorTypes(e) {
  return (e.errors || [e]).map((x) => x.type || x.name);
}

async function main() {
  const [brokers, topic, replicas] = process.argv.slice(2);
  const target = replicas.split(',').map(Number);
  const kafka = new Kafka({ clientId: 'brook-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const admin = kafka.admin();
  await admin.connect();
  const out = {};
  await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: target }] }] });
  out.listed = (await admin.listPartitionReassignments({})).topics;
  out.listedTopic = (await admin.listPartitionReassignments({ topics: [{ topic, partitions: [0, 5] }] })).topics;
  for (const [name, assignment] of [
    ['twice', [{ partition: 0, replicas: [target[0], target[0]] }]],
    ['unknown', [{ partition: 5, replicas: target }]],
  ]) {
    try {
      await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: assignment }] });
      out[name] = 'accepted';
    } catch (e) {
      out[name] = errorTypes(e);
    }
  }
  await admin.disconnect();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
