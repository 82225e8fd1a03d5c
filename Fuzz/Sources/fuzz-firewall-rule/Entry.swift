import FuzzSupport

@_cdecl("fuzz_firewall_rule_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzFirewallRule)
}
