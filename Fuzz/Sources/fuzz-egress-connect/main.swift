import FuzzSupport

@_cdecl("fuzz_egress_connect_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzEgressConnect)
}
