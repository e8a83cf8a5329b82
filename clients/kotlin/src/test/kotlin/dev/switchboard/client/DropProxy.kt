package dev.switchboard.client

import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.concurrent.thread

/** A real TCP forwarder to the server whose connections the test can cut (to drop a stream). */
class DropProxy(private val target: InetSocketAddress) : AutoCloseable {
    private val listener = ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())
    private val open = CopyOnWriteArrayList<Socket>()
    val url = "http://127.0.0.1:${listener.localPort}"
    @Volatile var accepted = 0
        private set

    init {
        thread(isDaemon = true, name = "drop-proxy") {
            while (!listener.isClosed) {
                val client = runCatching { listener.accept() }.getOrNull() ?: break
                val upstream = Socket(target.hostString, target.port)
                open += client; open += upstream; accepted++
                pump(client, upstream); pump(upstream, client)
            }
        }
    }

    private fun pump(from: Socket, to: Socket) = thread(isDaemon = true) {
        runCatching { from.getInputStream().copyTo(to.getOutputStream()) }
        runCatching { from.close() }; runCatching { to.close() }
    }

    /** Cuts every open connection. */
    fun dropAll() { open.forEach { runCatching { it.close() } }; open.clear() }

    override fun close() { listener.close(); dropAll() }
}
