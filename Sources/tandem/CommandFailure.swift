/// A subcommand failed while running (not a usage mistake): TandemMain prints the message and
/// exits 1, without the usage text a `ValidationError` (exit 2) would bring.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
