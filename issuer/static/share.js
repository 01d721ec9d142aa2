// The profile's Share control. Without this script it is a plain link to copy by hand; with it,
// "Copy link" puts the link on the clipboard and, where the device offers it, "Share with an
// app…" opens the system's share sheet. Loaded from this site only (no inline code: see CSP).
(function () {
  "use strict";
  function say(panel, text) {
    var status = panel.querySelector(".share-status");
    if (status) { status.textContent = text; }
  }
  function selectLink(panel) {
    var link = panel.querySelector(".share-link");
    if (!link || !window.getSelection) { return; }
    var range = document.createRange();
    range.selectNodeContents(link);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  function setUp(panel) {
    var url = panel.getAttribute("data-share-url");
    var title = panel.getAttribute("data-share-title") || document.title;
    var copy = panel.querySelector("[data-share-copy]");
    var share = panel.querySelector("[data-share-native]");
    if (copy && navigator.clipboard && window.isSecureContext) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(url).then(function () {
          say(panel, "Link copied. Paste it wherever you want to share it.");
        }, function () {
          selectLink(panel);
          say(panel, "Could not copy here: the link is selected, copy it with Ctrl+C (⌘C on a Mac).");
        });
      });
    }
    if (share && navigator.share) {
      share.hidden = false;
      share.addEventListener("click", function () {
        navigator.share({ title: title, url: url }).catch(function () { /* closed by the person */ });
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-share-url]"), setUp);
  });
})();
