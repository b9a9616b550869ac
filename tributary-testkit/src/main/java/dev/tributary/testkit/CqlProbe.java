package dev.tributary.testkit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of the CQL native protocol (v4) to tell whether a test Cassandra node serves clients,
 * so that the kit needs no driver (with its Netty) on the class path of every module it serves.
 */
final class CqlProbe {
  private static final byte VERSION = 4;
  private static final byte ERROR = 0x00;
  private static final byte STARTUP = 0x01;
  private static final byte READY = 0x02;
  private static final byte QUERY = 0x07;
  private static final byte RESULT = 0x08;
  private static final short CONSISTENCY_ALL = 0x0005;
  private static final int TIMEOUT_MILLIS = 5_000;

  private CqlProbe() {}

  /** The answer of a node, or why there was none. */
  record Answer(boolean ok, String detail) {}

  /** Whether the node completes a STARTUP handshake: Cassandra opens its native port last, once it serves queries. */
  static Answer ready(InetSocketAddress node) {
    return exchange(node, null);
  }

  /**
   * Whether {@code cql} succeeds at consistency ALL through this node; a read of a table replicated to
   * every node then says that this node sees every node up.
   */
  static Answer queryAtAll(InetSocketAddress node, String cql) {
    return exchange(node, cql);
  }

  private static Answer exchange(InetSocketAddress node, String cql) {
    try (Socket socket = new Socket()) {
      socket.connect(node, TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      var out = new DataOutputStream(socket.getOutputStream());
      var in = new DataInputStream(socket.getInputStream());
      send(out, STARTUP, startupBody());
      Answer startup = receive(in, READY);
      if (!startup.ok() || cql == null) return startup;
      send(out, QUERY, queryBody(cql));
      return receive(in, RESULT);
    } catch (IOException e) {
      return new Answer(false, e.toString());
    }
  }

  private static byte[] startupBody() {
    byte[] key = "CQL_VERSION".getBytes(StandardCharsets.UTF_8);
    byte[] value = "3.0.0".getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(2 + 2 + key.length + 2 + value.length)
        .putShort((short) 1).putShort((short) key.length).put(key).putShort((short) value.length).put(value).array();
  }

  private static byte[] queryBody(String cql) {
    byte[] text = cql.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + text.length + 2 + 1).putInt(text.length).put(text).putShort(CONSISTENCY_ALL).put((byte) 0).array();
  }

  private static void send(DataOutputStream out, byte opcode, byte[] body) throws IOException {
    out.writeByte(VERSION);
    out.writeByte(0); // flags
    out.writeShort(0); // stream
    out.writeByte(opcode);
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }

  private static Answer receive(DataInputStream in, byte expected) throws IOException {
    in.readByte(); // version
    in.readByte(); // flags
    in.readShort(); // stream
    byte opcode = in.readByte();
    byte[] body = new byte[in.readInt()];
    in.readFully(body);
    if (opcode == expected) return new Answer(true, "");
    if (opcode != ERROR) return new Answer(false, "unexpected CQL opcode " + opcode);
    ByteBuffer b = ByteBuffer.wrap(body);
    int code = b.getInt();
    byte[] message = new byte[b.getShort()];
    b.get(message);
    return new Answer(false, String.format("CQL error 0x%04x: %s", code, new String(message, StandardCharsets.UTF_8)));
  }
}
