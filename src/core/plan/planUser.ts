import type Docker from 'dockerode';
import { findBuiltinBaseImage, isBuiltinImage } from '../builtin/baseImage';
import { imageExists } from '../docker/images';
import { type NumericUser, resolveBottleUser, type UserChoice } from '../docker/imageUser';
import { BottleError } from '../errors';
import { type BottlePlan, isRootUser, rootWarning } from './plan';

// The user is part of what a person confirms: the preflight shows the numeric ids the bottle will
// run as, and the launch uses exactly those. See docs/security.md.

/**
 * Before the preflight: resolves the plan's user against its image when the image is already here
 * (an image to pull or build is resolved at launch). A user that resolves to root without
 * `"dangerous": true`, or that the image does not have, is refused now, before anything starts.
 */
export async function resolvePlanUser(docker: Docker, plan: BottlePlan): Promise<void> {
  const image = await presentImage(docker, plan).catch(() => undefined);
  if (image === undefined) return;
  try {
    plan.runAs = await resolveBottleUser(docker, image, userChoice(plan));
  } catch (error) {
    if (error instanceof BottleError) throw error;
    return; // The engine failed us: the launch resolves again, and says what went wrong.
  }
  // A plain spelling of root was already named when the plan was made; an alias only the image knows is named here.
  if (runsAsRoot(plan.runAs) && !isRootUser(plan.user)) plan.warnings.push(rootWarning(plan.user));
}

/** At launch, against the image that will run: the ids the preflight showed, or a refusal. */
export async function launchUser(docker: Docker, plan: BottlePlan, image: string): Promise<NumericUser> {
  const ids = await resolveBottleUser(docker, image, userChoice(plan));
  const shown = plan.runAs;
  if (shown && (shown.uid !== ids.uid || shown.gid !== ids.gid)) {
    throw new BottleError(
      'usage',
      `the image changed since the preflight: the bottle would run as uid ${ids.uid}, gid ${ids.gid}, not as the uid ${shown.uid}, gid ${shown.gid} you confirmed; nothing was started`,
      'start it again to review the new plan',
    );
  }
  if (!shown && runsAsRoot(ids) && !isRootUser(plan.user)) {
    // Only with "dangerous": an alias of root the preflight could not name before the image was here.
    throw new BottleError(
      'unsupported',
      `"user": ${JSON.stringify(plan.user ?? '')} is uid ${ids.uid}, gid ${ids.gid} in image ${image}: root, which the preflight could not show before the image was here; nothing was started`,
      'start it again: the preflight now shows it',
    );
  }
  return { uid: ids.uid, gid: ids.gid };
}

export function runsAsRoot(ids: NumericUser | undefined): boolean {
  return ids !== undefined && (ids.uid === 0 || ids.gid === 0);
}

function userChoice(plan: BottlePlan): UserChoice {
  return { agent: plan.agent, ...(plan.user !== undefined ? { user: plan.user } : {}), dangerous: plan.dangerous };
}

/** The image the bottle would run, when it is here without pulling or building anything. */
async function presentImage(docker: Docker, plan: BottlePlan): Promise<string | undefined> {
  if (plan.image.kind !== 'image') return undefined;
  if (isBuiltinImage(plan.image.ref)) return (await findBuiltinBaseImage(docker))?.tag;
  return (await imageExists(docker, plan.image.ref)) ? plan.image.ref : undefined;
}
