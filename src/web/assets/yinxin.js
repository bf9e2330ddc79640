// yinxin verification page: what the page adds when scripts run. The form works without it.
// - camera scanning where the browser has BarcodeDetector (Chromium, Android): the decoded
//   text goes into the QR field and the form is sent;
// - a print button for the result.
"use strict";
(function () {
  var print = document.getElementById("print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
  var box = document.querySelector(".camera");
  if (!box || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
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
  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    var detector;
    try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); }
    catch (e) { status.textContent = String(e); return; }
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
          detector.detect(video).then(function (codes) {
            if (codes.length > 0 && codes[0].rawValue) {
              field.value = codes[0].rawValue;
              stop();
              form.submit();
            } else {
              window.setTimeout(tick, 200);
            }
          }, function () { window.setTimeout(tick, 400); });
        }
        tick();
      })
      .catch(function (e) { status.textContent = String(e && e.message || e); stop(); });
  });
})();
