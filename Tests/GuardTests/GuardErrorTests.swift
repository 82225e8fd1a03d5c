import Guard
import Testing

@Suite struct GuardErrorTests {
    @Test func anErrorSaysWhatItSays() {
        #expect(GuardError("model file missing").description == "model file missing")
    }
}
