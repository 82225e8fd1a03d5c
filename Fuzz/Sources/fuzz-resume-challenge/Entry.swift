import FuzzSupport

@_cdecl("fuzz_resume_challenge_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzResumeChallenge)
}
