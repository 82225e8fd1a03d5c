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

    /// Follows `/events` and shows new alerts and state changes on the page without a reload. It writes text only
    /// (`textContent`), never markup: an alert's fields come from what agents and the network did.
    static let live = """
        "use strict";
        (function () {
          if (!window.EventSource) { return; }
          var source = new EventSource("/events");
          function set(id, value) {
            var element = document.getElementById(id);
            if (element && element.textContent !== String(value)) { element.textContent = String(value); }
          }
          source.addEventListener("state", function (message) {
            var state = JSON.parse(message.data);
            set("live-mode", state.mode);
            set("live-pending", state.pending);
            set("live-agents", state.agents);
            set("live-grants", state.grants);
            var mode = document.getElementById("mode");
            if (mode && mode.textContent !== state.mode) {
              var notice = document.getElementById("live-notice");
              if (notice) { notice.textContent = "The mode is now " + state.mode + ": reload the page."; }
            }
          });
          source.addEventListener("alert", function (message) {
            var alert = JSON.parse(message.data);
            var list = document.getElementById("alerts");
            if (!list) { return; }
            var none = document.getElementById("no-alerts");
            if (none) { none.remove(); }
            var item = document.createElement("li");
            item.className = "alert risk-" + alert.risk;
            item.textContent = alert.time + " " + alert.risk + " " + alert.action + " " + alert.target +
              (alert.agent ? " (" + alert.agent + ")" : "");
            list.insertBefore(item, list.firstChild);
            while (list.children.length > 20) { list.removeChild(list.lastChild); }
          });
        })();

        """
}
