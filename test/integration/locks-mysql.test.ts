import { lockSuite } from './locks-suite';

// The blueprint's rollback switch: the same contract with Redis off entirely.
lockSuite('MySQL (REDIS_ENABLED=false)', { REDIS_ENABLED: 'false' }, 'mysql');
