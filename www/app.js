// The "app" the sign-in pages redirect to. It picks the tokens up the way any app on the same origin
// does: a CognitoAuth with the same pool, client and storage, then getSession() (which refreshes the
// tokens when they are about to expire). The tokens themselves are never shown or logged.
import { applyBranding, applyLanguage, createAuth, loadConfig } from './config.js';
import { currentLanguage, t } from './i18n.js';

const $ = (selector) => document.querySelector(selector);

const config = await loadConfig();
await applyLanguage(config);
applyBranding(config);
document.title = t('app.title');
const auth = createAuth(config);
try {
  const session = await auth.getSession();
  const claims = session.idTokenClaims;
  $('[data-status]').textContent = t('app.signedInAs', { name: claims.email ?? session.username });
  const list = $('[data-claims]');
  const expires = new Date(session.expiresAt * 1000).toLocaleTimeString(currentLanguage());
  for (const [name, value] of [[t('app.sub'), claims.sub], [t('app.expires'), expires], [t('app.api'), t('app.apiHow')]]) {
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = name;
    dd.textContent = String(value);
    list.append(dt, dd);
  }
  list.hidden = false;
  $('[data-account]').hidden = false;
  $('[data-signout]').hidden = false;
  $('[data-signout]').addEventListener('click', async () => {
    // With a domain configured, through its /logout too (it returns to the pages); see pages.js.
    if (config.oauth?.domain) {
      try {
        sessionStorage.setItem('cognito-kit-pages.signedOut', 'local');
      } catch {
        // Only the notice on return is lost.
      }
      await auth.signOut({ redirect: true }).catch(() => location.assign('index.html'));
      return;
    }
    await auth.signOut().catch(() => {});
    location.assign('index.html');
  });
} catch (error) {
  $('[data-status]').textContent = error.code === 'NotSignedIn' ? t('app.notSignedIn') : t('app.unreadable');
  $('[data-signin]').hidden = false;
}
document.documentElement.dataset.ready = 'true';
