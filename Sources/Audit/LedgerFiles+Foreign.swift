import Glibc

extension LedgerFiles {
    /// What is wrong with the object at `day`'s file path in `directory`, or nil when there is nothing there or a
    /// day file that can be opened. A directory, link, FIFO or device there would make the ledger refuse every
    /// append once that day begins.
    public static func foreignObject(atDay day: String, in directory: String) -> String? {
        let path = directory + "/" + LedgerDay.fileName(day: day)
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        do {
            try checkDayFile(path)
            return nil
        } catch {
            return error.description
        }
    }
}
