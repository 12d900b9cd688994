// The dependencies lesson's events (lesson 7, "Dependencies fail fast and locally"): what its view
// on the page draws and its checks read. Types and constants only: the page imports it.

/** The slug the lesson's events and endpoints carry. */
export const DEPENDENCIES_LESSON = 'dependencies';

export type DependencyRoute = 'stateless' | 'stateful' | 'catalogue';
export type Dependency = 'redis' | 'postgres';

/** The three routes a round asks, each with what it needs besides the replica itself. */
export const DEPENDENCY_ROUTES: readonly { route: DependencyRoute; path: string; needs: Dependency | null; label: string }[] = [
  { route: 'stateless', path: '/api/v1/stateless/info', needs: null, label: 'stateless info' },
  { route: 'stateful', path: '/api/v1/stateful/sessions/current', needs: 'redis', label: 'session (Redis)' },
  // nocache=1: nginx's edge cache (lesson 11) would otherwise answer from its copy and hide PostgreSQL.
  { route: 'catalogue', path: '/api/v1/stateless/products?limit=5&nocache=1', needs: 'postgres', label: 'catalogue (PostgreSQL)' },
];

/** The error code a route answers with while its dependency is gone. */
export const UNAVAILABLE_CODE: Record<Dependency, string> = { redis: 'REDIS_UNAVAILABLE', postgres: 'DATABASE_UNAVAILABLE' };

/** POST /lab/api/lessons/dependencies/watch: ask the three routes every half second for this long. */
export interface WatchRequest {
  /** 5..180 s. */
  seconds: number;
}

export interface DependencyAnswer {
  route: DependencyRoute;
  status: number;
  errorCode: string | null;
  replica: string | null;
  latencyMs: number;
}

/** kind 'round': the three routes asked once, at the same moment. */
export interface DependencyRound {
  watchId: string;
  /** 1, 2, … within its watch. */
  seq: number;
  at: number;
  /** The replicas' DEPENDENCY_TIMEOUT_MS when the round was asked: what "fast" is measured against. */
  timeoutMs: number;
  answers: DependencyAnswer[];
}

/** kind 'watch': a watch started or ended. */
export interface DependencyWatch {
  id: string;
  startedAt: number;
  seconds: number;
  running: boolean;
  rounds: number;
}

/** What a page that connects late draws: the running watch and the latest rounds, oldest first. */
export interface DependenciesSnapshot {
  watch: DependencyWatch | null;
  rounds: DependencyRound[];
  /** DEPENDENCY_TIMEOUT_MS of the replicas: the longest a request waits on Redis or PostgreSQL. */
  timeoutMs: number;
}
