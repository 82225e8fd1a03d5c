import Capabilities
import Testing

@testable import Policy

@Suite("The agents' egress in policy YAML: egress:")
struct EgressPolicyTests {
    @Test("without the section the defaults hold: 256 open, close on revoke, 10 GiB an hour, alert at 64 MiB")
    func defaults() throws {
        let egress = try SecurityPolicy.parse(yaml: "r:\n  capabilities: []\n", file: "p.yaml").egress
        #expect(egress == .default && SecurityPolicy.builtin().egress == .default)
        #expect(egress.openPerAgent == 256 && egress.onRevoke == .close && egress.idleTimeout == .seconds(900))
        #expect(egress.uploadPerHour == ByteSize(bytes: 10 << 30) && egress.alertUpload == ByteSize(bytes: 64 << 20))
    }

    @Test("every key is read, and off turns a bound off")
    func read() throws {
        let yaml = """
            r:
              capabilities: []
            egress:
              open_per_agent: 16
              open_total: 512
              new_per_minute: 60
              upload_per_hour: 1GiB
              idle_timeout: 2m
              on_revoke: keep
              alert_upload: 10MB
              alert_new_for: 1h
            """
        let egress = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml").egress
        #expect(egress.openPerAgent == 16 && egress.openTotal == 512 && egress.newPerMinute == 60)
        #expect(egress.uploadPerHour == ByteSize(bytes: 1 << 30) && egress.idleTimeout == .seconds(120))
        #expect(egress.onRevoke == .keep && egress.alertUpload == ByteSize(bytes: 10 << 20))
        #expect(egress.alertNewFor == .seconds(3600))
        let off = try SecurityPolicy.parse(
            yaml: "r:\n  capabilities: []\negress: {upload_per_hour: off, idle_timeout: off, alert_upload: off}\n",
            file: "p.yaml"
        ).egress
        #expect(off.uploadPerHour == nil && off.idleTimeout == nil && off.alertUpload == nil)
    }

    @Test(
        "bad settings are located errors",
        arguments: [
            ("egress: {on_revoke: later}\n", "p.yaml:1:21: egress.on_revoke must be 'close' or 'keep'"),
            ("egress: {open_per_agent: 0}\n", "p.yaml:1:26: egress.open_per_agent"),
            ("egress: {upload_per_hour: lots}\n", "p.yaml:1:27: egress.upload_per_hour"),
            ("egress: {idle_timeout: 500ms}\n", "p.yaml:1:24: egress.idle_timeout"),
            ("egress: {proxy: squid}\n", "p.yaml:1:10: unknown key 'proxy'"),
        ])
    func bad(yaml: String, expected: String) {
        expectIssue(snippet: yaml, expected)
    }
}
