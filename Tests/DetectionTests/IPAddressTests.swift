import Policy
import Testing

@Suite struct IPAddressTests {
    @Test(
        "addresses print in their canonical form",
        arguments: [
            ("192.0.2.1", "192.0.2.1"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("::", "::"), ("::1", "::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("fe80::", "fe80::"), ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
            ("::ffff:192.0.2.1", "192.0.2.1"), ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ])
    func canonical(_ text: String, _ expected: String) {
        #expect(IPAddress(text)?.description == expected)
    }

    @Test(
        "malformed addresses are refused",
        arguments: [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::",
            "1::2:", "12345::", "fe80::1%eth0", "g::1", "::1.2.3", "1.2.3.4::",
        ])
    func refused(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func prefixesContainTheirAddressesOnly() throws {
        let v4 = try IPPrefix(parsing: "10.0.0.0/8")
        #expect(v4.contains(IPAddress("10.255.0.1")!) && !v4.contains(IPAddress("11.0.0.1")!))
        #expect(!v4.contains(IPAddress("::a00:1")!))
        let v6 = try IPPrefix(parsing: "2001:db8::/32")
        #expect(v6.contains(IPAddress("2001:db8:ffff::1")!) && !v6.contains(IPAddress("2001:db9::1")!))
        #expect(try IPPrefix(parsing: "0.0.0.0/0").contains(IPAddress("203.0.113.9")!))
        #expect(try IPPrefix(parsing: "192.0.2.7").length == 32)
        #expect(throws: IPPrefixError.self) { try IPPrefix(parsing: "10.0.0.1/8") }
        #expect(throws: IPPrefixError.self) { try IPPrefix(parsing: "10.0.0.0/33") }
    }
}
