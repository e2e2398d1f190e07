import { startGameServer } from './server';
import { SettingsError, loadSettings } from './settings';

try {
  const settings = loadSettings(process.env);
  startGameServer(settings).catch(error => {
    console.error(`error: could not start: ${error.message}`);
    process.exit(1);
  });
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(1);
}
