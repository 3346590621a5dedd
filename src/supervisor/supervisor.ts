import type { Logger } from '../logging/logger.js';
import { DesiredState, type DesiredChange, type DesiredStateView } from '../config/desired-state.js';
import { formatManifestError, ManifestLoader } from '../config/manifest.js';
import { ConfigPipeline } from '../config/pipeline.js';
import type { Settings } from '../config/settings.js';
import { DirectorySource } from '../sources/directory.js';
import { UrlSource } from '../sources/url.js';
import type { ManifestSource } from '../sources/types.js';

/**
 * Composition root of `staticlet run`: wires sources into the desired state and owns their
 * lifetime. Later stages (pod workers, node API) attach to `desired`.
 */
export class Supervisor {
  readonly desired: DesiredStateView;
  private readonly state: DesiredState;
  private readonly pipeline: ConfigPipeline;
  private readonly sources: ManifestSource[] = [];

  constructor(
    private readonly settings: Settings,
    private readonly logger: Logger,
  ) {
    if (settings.staticPodPath) {
      this.sources.push(new DirectorySource({ path: settings.staticPodPath, logger, maxBytes: settings.maxManifestBytes, rescanMs: settings.fileCheckFrequencyMs }));
    }
    if (settings.staticPodURL) {
      this.sources.push(
        new UrlSource({ url: settings.staticPodURL, headers: settings.staticPodURLHeader, logger, maxBytes: settings.maxManifestBytes, pollMs: settings.httpCheckFrequencyMs }),
      );
    }
    this.state = new DesiredState(this.sources.map((s) => s.name));
    this.desired = this.state;
    this.pipeline = new ConfigPipeline(new ManifestLoader({ nodeName: settings.nodeName, maxBytes: settings.maxManifestBytes }), this.state, logger);
    this.state.subscribe((changes) => changes.forEach((c) => this.logChange(c)));
  }

  async start(): Promise<void> {
    if (this.sources.length === 0) {
      this.logger.warn('no manifest source configured (--pod-manifest-path / staticPodPath, --manifest-url / staticPodURL); nothing to run');
    }
    this.logger.info({ node: this.settings.nodeName, sources: this.sources.map((s) => s.name) }, 'staticlet starting');
    for (const s of this.sources) await this.pipeline.add(s);
    const pods = this.state.pods().length;
    const rejected = this.state.rejections().length;
    this.logger.info({ pods, rejected }, 'initial manifests loaded');
  }

  async stop(): Promise<void> {
    await this.pipeline.stop();
    this.logger.info('staticlet stopped; static pods are left running');
  }

  private logChange(c: DesiredChange): void {
    const l = this.logger;
    switch (c.type) {
      case 'added':
        l.info({ pod: c.pod.fullName, uid: c.pod.uid, source: c.pod.source.location }, 'pod added');
        break;
      case 'updated':
        l.info({ pod: c.pod.fullName, uid: c.pod.uid, previousUid: c.previous.uid, source: c.pod.source.location }, 'pod updated');
        break;
      case 'removed':
        l.info({ pod: c.pod.fullName, uid: c.pod.uid, source: c.pod.source.location }, 'pod removed');
        break;
      case 'rejected':
        l.error(
          { source: c.rejection.source.location, errors: c.rejection.errors.map(formatManifestError), keptPods: c.rejection.keptPods },
          c.rejection.keptPods.length > 0 ? 'manifest rejected; its last accepted pods keep running' : 'manifest rejected',
        );
        break;
      case 'recovered':
        l.info({ source: c.source.location }, 'manifest accepted again');
        break;
    }
  }
}
