/* 就近服务点: "use my position" asks the browser for the phone's position (geolocation) and
   sends it with the finder's form. Without JavaScript or without permission, the address
   field and the list of places below do the same. */
(function () {
  "use strict";
  var button = document.getElementById("locate-me");
  var status = document.getElementById("locate-status");
  var form = document.getElementById("position-form");
  if (!button || !form || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "正在获取您的位置…";
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(6);
        form.elements.lng.value = position.coords.longitude.toFixed(6);
        status.textContent = "已获取位置，正在查找附近的服务点…";
        form.submit();
      },
      function (error) {
        button.disabled = false;
        status.textContent = (error.code === 1 ? "您没有允许获取位置。" : "暂时无法获取您的位置。")
          + "请在下方输入地址，或选择附近的地点。";
        var address = document.getElementById("id_address");
        if (address) address.focus();
      },
      {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000}
    );
  });
})();
