/*
 * Passkeys (django-otp-webauthn): after a passkey was registered, show the updated list.
 * The library's own scripts do the WebAuthn ceremonies; this file only reloads the page.
 */
(function () {
  "use strict";
  document.addEventListener("otp_webauthn.register_complete", function () {
    window.location.reload();
  });
})();
