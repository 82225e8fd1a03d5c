import NIOCore
import Policy

/// Which addresses the console may listen on, and which the server certificate must then name: loopback, an
/// address in a management subnet, or the wildcard (`0.0.0.0`, `::`) — then every address of this machine inside a
/// management subnet, since a browser on the subnet connects to one of those and checks that the certificate names
/// it. Any other address is refused: the console is never put on an address it would answer nobody on.
public enum ConsoleHosts {
    /// The names the server certificate needs for a console bound to `host` (beyond loopback, always named).
    /// `local`: this machine's interface addresses (from `System.enumerateDevices()` by default).
    public static func certificateNames(
        forBinding host: String, management: [IPPrefix], local: [String]? = nil
    ) throws(ConsoleError) -> [String] {
        guard let address = IPAddress(host) else {
            guard host == "localhost" else {
                throw ConsoleError.configuration(
                    "--console '\(host)': give an IP address (loopback, one in a management subnet, or 0.0.0.0)")
            }
            return []
        }
        let allowed = AllowedClients(management: management)
        if address == IPAddress("0.0.0.0") || address == IPAddress("::") {
            let addresses = local ?? Self.interfaceAddresses()
            return addresses.filter { text in
                guard let candidate = IPAddress(text) else { return false }
                return management.contains { $0.contains(candidate) }
            }
        }
        guard allowed.prefixes.contains(where: { $0.contains(address) }) else {
            throw ConsoleError.configuration(
                "--console '\(host)' is neither loopback nor in a management subnet (firewall.management): the "
                    + "console would answer nobody there")
        }
        // Also another loopback address (127.0.0.2): a browser checks the certificate names the one it connects to.
        return [host]
    }

    static func interfaceAddresses() -> [String] {
        ((try? System.enumerateDevices()) ?? []).compactMap { $0.address?.ipAddress }
    }
}
