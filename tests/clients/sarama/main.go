// Sarama (Debian's golang-github-shopify-sarama-dev, the most used Go
// client) against a real brookd; tests/integration/test_sarama.py runs it.
// Each command prints one JSON object.
//
//	sarama_client admin   BOOTSTRAP TOPIC
//	sarama_client produce BOOTSTRAP TOPIC COUNT CODEC   (idempotent, acks=all)
//	sarama_client consume BOOTSTRAP TOPIC COUNT         (every partition from the start)
//	sarama_client group   BOOTSTRAP TOPIC GROUP COUNT   (a consumer group; commits what it read;
//	                                                     SARAMA_GROUP_PAUSE=N: "ready" on stderr after
//	                                                     N records, then waits for a line on stdin)
//	sarama_client failover BOOTSTRAP TOPIC BEFORE AFTER (one record at a time, idempotent, acks=all;
//	                                                     "ready" on stderr after BEFORE, waits for a
//	                                                     line on stdin, AFTER more, then reads back)
//
// SARAMA_TLS_CA (a CA's PEM file) turns TLS on, SARAMA_SASL_USER and
// SARAMA_SASL_PASSWORD SASL PLAIN (SCRAM needs a package Debian lacks).
//
// Sarama 1.22 does not ask a broker which versions it speaks: it sends the
// ones config.Version names. Brook, like Kafka 4.0 (KIP-896), takes record
// batches (v2) only, so every command sets a version of 0.11 or later.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

func config() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = sarama.V2_1_0_0 // the oldest that compresses with zstd
	c.ClientID = "brook-sarama"
	c.Metadata.Retry.Backoff = 100 * time.Millisecond
	c.Net.DialTimeout = 5 * time.Second
	if ca := os.Getenv("SARAMA_TLS_CA"); ca != "" {
		pem, err := os.ReadFile(ca)
		must(err, "CA")
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			must(fmt.Errorf("no certificate in %s", ca), "CA")
		}
		c.Net.TLS.Enable = true
		c.Net.TLS.Config = &tls.Config{RootCAs: roots}
	}
	if user := os.Getenv("SARAMA_SASL_USER"); user != "" {
		c.Net.SASL.Enable = true
		c.Net.SASL.Mechanism = sarama.SASLTypePlaintext
		c.Net.SASL.Handshake = true
		c.Net.SASL.User = user
		c.Net.SASL.Password = os.Getenv("SARAMA_SASL_PASSWORD")
	}
	return c
}

func must(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
}

func emit(v interface{}) {
	must(json.NewEncoder(os.Stdout).Encode(v), "encode")
}

func errName(err error) string {
	if err == nil {
		return ""
	}
	if kerr, ok := err.(sarama.KError); ok {
		return kerr.Error()
	}
	if terr, ok := err.(*sarama.TopicError); ok { // with the broker's message, when it gave one
		if terr.ErrMsg != nil {
			return terr.Err.Error() + " (" + *terr.ErrMsg + ")"
		}
		return terr.Err.Error()
	}
	return err.Error()
}

// Create a topic (and again), describe it, grow it, read and change its
// configs, delete it.
func admin(brokers []string, topic string) {
	ca, err := sarama.NewClusterAdmin(brokers, config())
	must(err, "admin")
	defer ca.Close()
	out := map[string]interface{}{}
	retention := "3600000"
	detail := &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1,
		ConfigEntries: map[string]*string{"retention.ms": &retention}}
	out["create"] = errName(ca.CreateTopic(topic, detail, false))
	out["createAgain"] = errName(ca.CreateTopic(topic, detail, false))
	topics, err := ca.ListTopics()
	must(err, "list topics")
	out["listed"] = topics[topic].NumPartitions
	out["createPartitions"] = errName(ca.CreatePartitions(topic, 3, nil, false))
	meta, err := ca.DescribeTopics([]string{topic})
	must(err, "describe topics")
	var parts []int32
	for _, p := range meta[0].Partitions {
		parts = append(parts, p.ID)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	out["partitions"] = parts
	segment := "1048576"
	out["alterConfig"] = errName(ca.AlterConfig(sarama.TopicResource, topic,
		map[string]*string{"retention.ms": &retention, "segment.bytes": &segment}, false))
	entries, err := ca.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic,
		ConfigNames: []string{"retention.ms", "segment.bytes"}})
	must(err, "describe config")
	configs := map[string]string{}
	for _, e := range entries {
		configs[e.Name] = e.Value
	}
	out["configs"] = configs
	brokerList, _, err := ca.DescribeCluster() // (Metadata v0: no controller id)
	must(err, "describe cluster")
	out["brokers"] = len(brokerList)
	out["delete"] = errName(ca.DeleteTopic(topic))
	out["deleteAgain"] = errName(ca.DeleteTopic(topic))
	emit(out)
}

// An idempotent acks=all producer sends count keyed records with headers,
// spread over the topic's partitions by key, batched (async) and
// compressed with codec; prints where each went.
func produce(brokers []string, topic string, count int, codec string) {
	c := config()
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Idempotent = true
	c.Producer.Retry.Max = 10
	c.Net.MaxOpenRequests = 1
	c.Producer.Return.Successes = true
	c.Producer.Flush.Messages = 50
	c.Producer.Flush.Frequency = 5 * time.Millisecond
	codecs := map[string]sarama.CompressionCodec{"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP,
		"snappy": sarama.CompressionSnappy, "lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD}
	cc, ok := codecs[codec]
	if !ok {
		must(fmt.Errorf("unknown codec %q", codec), "produce")
	}
	c.Producer.Compression = cc
	p, err := sarama.NewAsyncProducer(brokers, c)
	must(err, "producer")
	go func() {
		for i := 0; i < count; i++ {
			p.Input() <- &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("k" + strconv.Itoa(i%7)),
				Value:    sarama.ByteEncoder(value(i)),
				Headers:  []sarama.RecordHeader{{Key: []byte("n"), Value: []byte(strconv.Itoa(i))}},
				Metadata: i}
		}
	}()
	acked := make([][3]int64, count) // record i -> (partition, offset, 1)
	for n := 0; n < count; n++ {
		select {
		case m := <-p.Successes():
			acked[m.Metadata.(int)] = [3]int64{int64(m.Partition), m.Offset, 1}
		case e := <-p.Errors():
			must(e.Err, "produce")
		case <-time.After(60 * time.Second):
			must(fmt.Errorf("no answer in 60 s after %d", n), "produce")
		}
	}
	must(p.Close(), "close")
	emit(map[string]interface{}{"acked": acked})
}

// Record i's value: binary, every byte value, a length that varies.
func value(i int) []byte {
	v := make([]byte, 1+i%300)
	for k := range v {
		v[k] = byte(i + k)
	}
	return v
}

type record struct {
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       string `json:"key"`
	Value     []byte `json:"value"` // base64 in JSON
	Header    string `json:"header"`
}

func recordOf(m *sarama.ConsumerMessage) record {
	r := record{Partition: m.Partition, Offset: m.Offset, Key: string(m.Key), Value: m.Value}
	for _, h := range m.Headers {
		if string(h.Key) == "n" {
			r.Header = string(h.Value)
		}
	}
	return r
}

// Every partition from the oldest offset until count records came; also
// the newest offset of each partition as ListOffsets tells.
func consume(brokers []string, topic string, count int) {
	client, err := sarama.NewClient(brokers, config())
	must(err, "client")
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	must(err, "consumer")
	parts, err := consumer.Partitions(topic)
	must(err, "partitions")
	records := make(chan record, count)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for _, p := range parts {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		must(err, "consume partition")
		wg.Add(1)
		go func(pc sarama.PartitionConsumer) {
			defer wg.Done()
			for {
				select {
				case m := <-pc.Messages():
					records <- recordOf(m)
				case <-done:
					pc.AsyncClose()
					return
				}
			}
		}(pc)
	}
	var read []record
	deadline := time.After(60 * time.Second)
	for len(read) < count {
		select {
		case r := <-records:
			read = append(read, r)
		case <-deadline:
			must(fmt.Errorf("read %d of %d in 60 s", len(read), count), "consume")
		}
	}
	close(done)
	wg.Wait()
	ends := map[string]int64{}
	for _, p := range parts {
		end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		must(err, "get offset")
		ends[strconv.Itoa(int(p))] = end
	}
	emit(map[string]interface{}{"read": read, "ends": ends})
}

type groupHandler struct {
	mu         sync.Mutex
	read       []record
	want       int
	pauseAfter int // 0: none
	enough     chan struct{}
	once       sync.Once
}

func (h *groupHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *groupHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *groupHandler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		h.mu.Lock()
		h.read = append(h.read, recordOf(m))
		if len(h.read) >= h.want {
			h.once.Do(func() { close(h.enough) })
		}
		pause := len(h.read) == h.pauseAfter
		h.mu.Unlock()
		s.MarkMessage(m, "")
		if pause { // the test does something to the cluster meanwhile
			fmt.Fprintln(os.Stderr, "ready")
			_, err := bufio.NewReader(os.Stdin).ReadString('\n')
			must(err, "waiting for the test")
		}
	}
	return nil
}

// A group member reads until count records came, commits, leaves; prints
// what it read, the group's committed offsets and state as an admin reads
// them, and the log starts after deleting the records it read.
func group(brokers []string, topic, groupID string, count int) {
	c := config()
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Offsets.CommitInterval = 100 * time.Millisecond
	c.Consumer.Group.Rebalance.Timeout = 10 * time.Second
	cg, err := sarama.NewConsumerGroup(brokers, groupID, c)
	must(err, "consumer group")
	h := &groupHandler{want: count, enough: make(chan struct{})}
	if n := os.Getenv("SARAMA_GROUP_PAUSE"); n != "" {
		h.pauseAfter, err = strconv.Atoi(n)
		must(err, "SARAMA_GROUP_PAUSE")
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{topic}, h); err != nil {
				stopped <- err
				return
			}
		}
		stopped <- nil
	}()
	select {
	case <-h.enough:
	case err := <-stopped:
		must(fmt.Errorf("stopped after %d records: %v", len(h.read), err), "group")
	case <-time.After(60 * time.Second):
		must(fmt.Errorf("read %d of %d in 60 s", len(h.read), count), "group")
	}
	cancel()
	must(<-stopped, "group consume")
	must(cg.Close(), "group close") // commits the marked offsets
	ca, err := sarama.NewClusterAdmin(brokers, config())
	must(err, "admin")
	defer ca.Close()
	parts := []int32{}
	meta, err := ca.DescribeTopics([]string{topic})
	must(err, "describe")
	for _, p := range meta[0].Partitions {
		parts = append(parts, p.ID)
	}
	offsets, err := ca.ListConsumerGroupOffsets(groupID, map[string][]int32{topic: parts})
	must(err, "group offsets")
	committed := map[string]int64{}
	for p, b := range offsets.Blocks[topic] {
		committed[strconv.Itoa(int(p))] = b.Offset
	}
	groups, err := ca.ListConsumerGroups()
	must(err, "list groups")
	described, err := ca.DescribeConsumerGroups([]string{groupID})
	must(err, "describe groups")
	// what the group read can go: DeleteRecords up to its offsets
	upTo := map[int32]int64{}
	for p, b := range offsets.Blocks[topic] {
		upTo[p] = b.Offset
	}
	must(ca.DeleteRecords(topic, upTo), "delete records")
	client, err := sarama.NewClient(brokers, config())
	must(err, "client")
	defer client.Close()
	starts := map[string]int64{}
	for _, p := range parts {
		start, err := client.GetOffset(topic, p, sarama.OffsetOldest)
		must(err, "get offset")
		starts[strconv.Itoa(int(p))] = start
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	emit(map[string]interface{}{"read": h.read, "committed": committed, "listed": groups[groupID],
		"state": described[0].State, "members": len(described[0].Members), "logStarts": starts})
}

// Across a leader's death (test_cluster_clients.py kills it while this
// waits for its word): an idempotent acks=all producer sends one record at
// a time; sarama refreshes its metadata and retries on the new leader.
// Then a consumer reads partition 0 back.
func failover(brokers []string, topic string, before, after int) {
	c := config()
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Idempotent = true
	c.Producer.Retry.Max = 40
	c.Producer.Retry.Backoff = 250 * time.Millisecond
	c.Net.MaxOpenRequests = 1
	c.Producer.Return.Successes = true
	c.Producer.Partitioner = sarama.NewManualPartitioner
	c.Metadata.Retry.Max = 40
	c.Metadata.Retry.Backoff = 250 * time.Millisecond
	p, err := sarama.NewSyncProducer(brokers, c)
	must(err, "producer")
	var acked [][3]int64
	for i := 0; i < before+after; i++ {
		part, offset, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: 0,
			Key: sarama.StringEncoder("k" + strconv.Itoa(i%7)), Value: sarama.ByteEncoder(value(i)),
			Headers: []sarama.RecordHeader{{Key: []byte("n"), Value: []byte(strconv.Itoa(i))}}})
		must(err, fmt.Sprintf("send %d", i))
		acked = append(acked, [3]int64{int64(part), offset, 1})
		if len(acked) == before {
			fmt.Fprintln(os.Stderr, "ready")
			_, err := bufio.NewReader(os.Stdin).ReadString('\n')
			must(err, "waiting for the test")
		}
	}
	must(p.Close(), "close")
	client, err := sarama.NewClient(brokers, config())
	must(err, "client")
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	must(err, "consumer")
	pc, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
	must(err, "consume partition")
	var read []record
	deadline := time.After(60 * time.Second)
	for len(read) < len(acked) {
		select {
		case m := <-pc.Messages():
			read = append(read, recordOf(m))
		case <-deadline:
			must(fmt.Errorf("read %d of %d in 60 s", len(read), len(acked)), "consume")
		}
	}
	pc.Close()
	emit(map[string]interface{}{"acked": acked, "read": read})
}

func main() {
	args := os.Args[1:]
	if len(args) < 3 {
		must(fmt.Errorf("usage: sarama_client admin|produce|consume|group BOOTSTRAP TOPIC ..."), "args")
	}
	brokers := strings.Split(args[1], ",")
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		must(err, "count")
		return n
	}
	switch {
	case args[0] == "admin":
		admin(brokers, args[2])
	case args[0] == "produce" && len(args) == 5:
		produce(brokers, args[2], atoi(args[3]), args[4])
	case args[0] == "consume" && len(args) == 4:
		consume(brokers, args[2], atoi(args[3]))
	case args[0] == "group" && len(args) == 5:
		group(brokers, args[2], args[3], atoi(args[4]))
	case args[0] == "failover" && len(args) == 5:
		failover(brokers, args[2], atoi(args[3]), atoi(args[4]))
	default:
		must(fmt.Errorf("unknown command or arguments: %v", args), "args")
	}
}
