// Every service reads configuration, retries and codes JSON with the light foundation: importing the service kit
// brings it along, as it did when these types lived here.
@_exported import KeelsonFoundation
