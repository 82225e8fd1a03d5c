import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a body inside another network namespace, on a thread of its own: `setns` moves only the calling thread,
/// and a fresh thread that ends afterwards can never leave one of the caller's threads in the wrong namespace.
/// A socket created in the body stays in that namespace for its life.
enum NetworkNamespace {
    static func run<T>(in path: String, _ body: @escaping @Sendable () throws(DetectionError) -> T)
        throws(DetectionError) -> T
    {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                box.result = .failure(.system("open \(path)", errno))
                return
            }
            defer { close(fd) }
            guard let setns = setnsFunction, setns(fd, cloneNewNet) == 0 else {
                box.result = .failure(.system("setns \(path)", errno))
                return
            }
            do throws(DetectionError) {
                box.result = .success(try body())
            } catch {
                box.result = .failure(error)
            }
        }
        thread.start()
        done.wait()
        return try box.result!.get()
    }
}

/// `setns(2)`: a GNU extension the Glibc module does not import, looked up in the C library instead.
private let setnsFunction: (@convention(c) (Int32, Int32) -> Int32)? = {
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setns") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
}()

private let cloneNewNet: Int32 = 0x4000_0000

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, DetectionError>?
}
