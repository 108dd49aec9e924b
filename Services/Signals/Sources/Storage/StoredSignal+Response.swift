import Hummingbird
import KeelsonStrategies

extension StoredSignal: ResponseEncodable {}
