package graphapi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;

/**
 * Starts a throwaway Neo4j 5 Community server in this JVM with the official test harness.
 *
 * <p>Bolt listens on 127.0.0.1 at a free port, authentication is off, and no HTTP server
 * runs. When ready it prints one line, {@code bolt://127.0.0.1:PORT}, on standard output.
 * It stops when its standard input closes, which is also what happens when its parent
 * dies, however it dies (the pipe's last writer is gone), so it never outlives the tests.
 *
 * <p>Arguments: an optional working directory (default: a new temporary directory, deleted
 * on exit).
 */
public final class Neo4jLauncher {
    private Neo4jLauncher() {}

    public static void main(String[] args) throws IOException {
        Path workDir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("graph-api-neo4j");
        Neo4j neo4j = Neo4jBuilders.newInProcessBuilder(workDir)
                .withDisabledServer()
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                .withConfig(GraphDatabaseSettings.auth_enabled, false)
                // A test server: a small page cache, and transactions not left hanging.
                .withConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(128))
                .withConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofSeconds(60))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(neo4j::close, "neo4j-shutdown"));
        System.out.println("bolt://127.0.0.1:" + neo4j.boltURI().getPort());
        System.out.flush();
        waitForEndOfInput(System.in);
        System.exit(0); // runs the shutdown hook
    }

    private static void waitForEndOfInput(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // Anything written is ignored; only the end of the stream matters.
            }
        } catch (IOException closed) {
            // A broken pipe means the parent is gone: stop too.
        }
    }
}
