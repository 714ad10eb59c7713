import CTandemIO

/// What a process wrote to a socket and the peer has not taken yet (SIOCOUTQ).
///
/// Why: it tells a server whether its client waits for each reply. A client at queue depth 1
/// reads a reply before it sends its next request, so when the server answers that request,
/// nothing it wrote earlier is left unread. A client with more requests in flight that is
/// behind on reading (fio at queue depth 32 whose replies come one at a time) leaves earlier
/// replies in the socket. Only unix stream sockets tell "read by the peer process"; on TCP the
/// kernel tells "acknowledged by the peer's kernel", which a client that is behind on reading
/// also gives, so there the answer is only ever "nothing left".
public enum SocketOutputQueue {
    /// Whether everything written to socket `fd` was taken by the peer; nil when the kernel
    /// does not tell (not a socket, or closed).
    public static func isEmpty(descriptor fd: CInt) -> Bool? {
        let queued = ctandem_socket_unconsumed_output(fd)
        return queued < 0 ? nil : queued == 0
    }
}
