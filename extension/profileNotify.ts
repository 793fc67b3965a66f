import { State, type LanguageClient } from 'vscode-languageclient/node';
import type { Profile } from '../sandbox/profile/types.js';
import { PROFILE_CLEARED, PROFILE_LOADED, type ProfileLoadedParams } from '../server/protocol.js';

/** The notification that takes a system file's profile back from the language server (its hints go). */

/** Sends `pvlab/profileCleared` for a system file (when the profile panel that showed it closes). */
export async function notifyProfileCleared(client: LanguageClient, systemFile: string): Promise<void> {
  if (client.state !== State.Running) return;
  await client.sendNotification(PROFILE_CLEARED, { systemFile });
}

/** Sends `pvlab/profileLoaded` once the client runs (a restored panel may come before it has started). */
export async function notifyProfileLoaded(client: LanguageClient, profile: Profile): Promise<void> {
  if (client.state !== State.Running) {
    await new Promise<void>((resolve) => {
      const sub = client.onDidChangeState((e) => {
        if (e.newState === State.Running) {
          sub.dispose();
          resolve();
        }
      });
    });
  }
  const params: ProfileLoadedParams = { profile };
  await client.sendNotification(PROFILE_LOADED, params);
}
