/// The console's scripts, served from `/static/` (the Content-Security-Policy allows no inline script). Small and
/// dependency-free; every page works without them.
enum ConsoleScripts {
    /// Follows a running ledger verification: asks for its progress twice a second, shows entries checked of the
    /// total, and reloads the page (which shows the result) when it ends.
    static let verifyProgress = """
        "use strict";
        (function () {
          var box = document.getElementById("verify-progress");
          if (!box) { return; }
          var url = box.getAttribute("data-status");
          var bar = document.getElementById("verify-bar");
          var checked = document.getElementById("verify-checked");
          function poll() {
            fetch(url, { credentials: "same-origin", cache: "no-store" })
              .then(function (response) { return response.json(); })
              .then(function (status) {
                checked.textContent = String(status.checked);
                bar.value = status.checked;
                bar.max = Math.max(status.total, 1);
                if (status.finished) { window.location.reload(); } else { window.setTimeout(poll, 500); }
              })
              .catch(function () { window.setTimeout(poll, 2000); });
          }
          window.setTimeout(poll, 500);
        })();

        """
}
