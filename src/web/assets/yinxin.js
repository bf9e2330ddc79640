// yinxin verification page: what the page adds when scripts run. The form works without it.
// - camera scanning: frames are read with the browser's BarcodeDetector where it exists
//   (Android, macOS, ChromeOS), elsewhere sent to the server's decoder (POST /verify/scan,
//   one frame at a time); the text read goes into the QR field and the form is sent;
// - a print button for the result;
// - on the holder's showing page (亮证), a reload for a fresh code before the shown one ends.
"use strict";
(function () {
  // 亮证: reload for a fresh dynamic QR code before the shown one ends.
  var renew = document.querySelector("[data-renew]");
  if (renew) {
    var after = parseInt(renew.getAttribute("data-renew"), 10);
    if (after > 0) setTimeout(function () { window.location.reload(); }, after * 1000);
  }
  var print = document.getElementById("print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
  var box = document.querySelector(".camera");
  if (!box || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var button = document.getElementById("scan");
  var video = document.getElementById("camera");
  var status = document.getElementById("camera-status");
  var field = document.getElementById("qr");
  var form = field && field.form;
  if (!button || !video || !status || !field || !form) return;
  box.hidden = false;
  var stream = null;
  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
  }
  // One frame to text: BarcodeDetector, else the server (a JPEG of the frame).
  var canvas = document.createElement("canvas");
  function readFrame(detector) {
    if (detector) {
      return detector.detect(video).then(function (codes) {
        return codes.length > 0 && codes[0].rawValue ? codes[0].rawValue : null;
      });
    }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    if (!canvas.width || !canvas.height) return Promise.resolve(null);
    canvas.getContext("2d").drawImage(video, 0, 0);
    return new Promise(function (done) { canvas.toBlob(done, "image/jpeg", 0.9); })
      .then(function (blob) {
        return blob ? fetch("/verify/scan", { method: "POST", body: blob, headers: { "Content-Type": "image/jpeg" } }) : null;
      })
      .then(function (r) { return r && r.ok ? r.json() : null; })
      .then(function (j) { return j && j.text ? j.text : null; });
  }
  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    var detector = null;
    if ("BarcodeDetector" in window) {
      try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (e) { detector = null; }
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        status.textContent = button.getAttribute("data-scanning") || "";
        return video.play();
      })
      .then(function () {
        function tick() {
          if (!stream) return;
          readFrame(detector).then(function (text) {
            if (text) {
              field.value = text;
              stop();
              form.submit();
            } else {
              window.setTimeout(tick, detector ? 200 : 700);
            }
          }, function () { window.setTimeout(tick, 1000); });
        }
        tick();
      })
      .catch(function (e) { status.textContent = String(e && e.message || e); stop(); });
  });
})();
